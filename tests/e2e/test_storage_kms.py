"""The storage module with a customer managed KMS key applies, re-plans clean and destroys on
the emulator: the KMS resources environments/prod uses, which environments/local does not."""

from __future__ import annotations

import shutil
import subprocess

from tests.conftest import ROOT, LocalAws


def test_storage_with_kms_round_trip(local_aws: LocalAws, terraform_bin, tf_env, tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "modules" / "storage", repo / "modules" / "storage")
    shutil.copytree(ROOT / "tests" / "e2e" / "kms_storage", repo / "tests" / "e2e" / "kms_storage")
    workdir = repo / "tests" / "e2e" / "kms_storage"
    tf_vars = ["-var", f"endpoint={local_aws.endpoint_url}"]

    def terraform(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [terraform_bin, *args], cwd=workdir, env=tf_env, capture_output=True, text=True
        )

    for args in (("init", "-input=false"), ("apply", "-input=false", "-auto-approve", *tf_vars)):
        done = terraform(*args)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    s3 = local_aws.client("s3")
    rule = s3.get_bucket_encryption(Bucket="kmstest-photos")["ServerSideEncryptionConfiguration"]
    default = rule["Rules"][0]["ApplyServerSideEncryptionByDefault"]
    assert default["SSEAlgorithm"] == "aws:kms"
    key_arn = default["KMSMasterKeyID"]
    table = local_aws.client("dynamodb").describe_table(TableName="kmstest-ImageMetadata")["Table"]
    assert table["SSEDescription"]["KMSMasterKeyArn"] == key_arn

    plan = terraform("plan", "-input=false", "-detailed-exitcode", *tf_vars)
    assert plan.returncode == 0, plan.stdout[-3000:] + plan.stderr
    destroy = terraform("destroy", "-input=false", "-auto-approve", *tf_vars)
    assert destroy.returncode == 0, destroy.stdout[-3000:] + destroy.stderr
    # The session's shared stack may be up beside it: only this config's resources must be gone.
    assert "kmstest-photos" not in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    tables = local_aws.client("dynamodb").list_tables()["TableNames"]
    assert [t for t in tables if t.startswith("kmstest-")] == []
