variable "aws_endpoint_url" {
  description = "Endpoint of the local AWS emulator (every service)."
  type        = string
  default     = "http://127.0.0.1:4566"
  nullable    = false

  validation {
    condition     = can(regex("^https?://", var.aws_endpoint_url))
    error_message = "aws_endpoint_url must be an http(s) URL."
  }
}

variable "region" {
  description = "Region the emulator answers for."
  type        = string
  default     = "us-east-1"
  nullable    = false
}

variable "name_prefix" {
  description = "Prefix of every resource name."
  type        = string
  default     = "image-pipeline-local"
  nullable    = false
}

variable "package_dir" {
  description = "Directory holding the zips built by `tools/package.py --target local`."
  type        = string
  default     = "../../build/lambda"
  nullable    = false
}

variable "runtime" {
  description = "Lambda runtime the zips were built for: `tools/package.py --target local` builds for the host's Python (make up passes it)."
  type        = string
  default     = "python3.11"
  nullable    = false
}

variable "state_machine_type" {
  description = "Workflow type of the image processing state machine: STANDARD, or EXPRESS (billed by duration instead of state transitions; its status lives only in the item)."
  type        = string
  default     = "STANDARD"
  nullable    = false

  validation {
    condition     = contains(["STANDARD", "EXPRESS"], var.state_machine_type)
    error_message = "state_machine_type must be STANDARD or EXPRESS."
  }
}

variable "moderation_enabled" {
  description = "Add Rekognition DetectModerationLabels as a parallel branch (the emulator answers it); flagged photos carry moderationLabels."
  type        = bool
  default     = false
  nullable    = false
}

variable "allow_unauthenticated_identities" {
  description = "Let the test web app get guest credentials without signing in (the test client's `allow_unauthenticated_identities`). Off by default, as in dev: sign-in only. When on, guests get the same per-identity isolation as signed-in users (the end-to-end tests' EXPRESS run turns it on to check that)."
  type        = bool
  default     = false
  nullable    = false
}
