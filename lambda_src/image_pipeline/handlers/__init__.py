"""One thin Lambda handler per function: parse the event, call the library, return."""
