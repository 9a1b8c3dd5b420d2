"""MinIO server lines, and the S3 errors its clients (boto3, the AWS SDKs, minio-java) report."""

from __future__ import annotations

from dozor.analysis.patterns.base import Pattern

MINIO: tuple[Pattern, ...] = (
    Pattern(
        id="minio.storage_full",
        kind="minio",
        category="disk",
        source="minio cmd/api-errors.go (ErrStorageFull)",
        severity="critical",
        regex=r"Storage backend has reached its minimum free \w+ threshold",
        meaning="MinIO's drives are (nearly) full: it refuses every upload.",
        action="Free space on the drives (delete objects, add lifecycle expiry rules, clean the host disk) or "
        "grow the volume.",
        examples=(
            "An error occurred (XMinioStorageFull) when calling the PutObject operation: Storage backend has "
            "reached its minimum free drive threshold. Please delete a few objects to proceed.",
            "io.minio.errors.ErrorResponseException: Storage backend has reached its minimum free drive threshold.",
        ),
        near_misses=("Storage backend: 1 online drives, 0 offline drives, 4.1 TiB free",),
    ),
    Pattern(
        id="minio.waiting_for_drives",
        kind="minio",
        category="startup",
        source="minio cmd/prepare-storage.go",
        severity="critical",
        regex=r"Waiting for a minimum of \d+ (?:drives|disks) to come online",
        meaning="MinIO has not found enough drives (or peer servers) to form its erasure set: it serves "
        "nothing while it waits.",
        action="Check every drive path is mounted and every peer in the server list is up and reachable; the "
        "'API: SYSTEM.storage' errors nearby name the failing drive.",
        examples=("Waiting for a minimum of 2 drives to come online (elapsed 20s)",),
        near_misses=("Status:         4 Online, 0 Offline. ",),
    ),
    Pattern(
        id="minio.drive_error",
        kind="minio",
        category="disk",
        source="minio cmd/xl-storage.go, cmd/storage-errors.go",
        severity="critical",
        regex=r"\bDrive \S+ returned an unexpected(?= error)|\bUnable to use the drive \S+",
        meaning="A MinIO drive failed or went missing (unmounted volume, I/O error, or a path on the root "
        "drive MinIO refuses to use).",
        action="Check the mount behind that path (df, dmesg), its ownership, and that it is a dedicated "
        "drive; then heal (mc admin heal).",
        examples=(
            "Error: Drive http://172.18.0.4:9000/data2 returned an unexpected error: major: 253: minor: 0: drive is "
            "part of root drive, will not be used (*errors.errorString)",
            "ERROR Unable to use the drive /export: Drive /export: found backend type fs, expected xl or xl-single: "
            "Invalid arguments specified.",
            "Unable to use the drive /data/minio1: drive not found",
        ),
        near_misses=("Formatting 1st pool, 1 set(s), 4 drives per set.",),
    ),
    Pattern(
        id="minio.invalid_root_credentials",
        kind="minio",
        category="auth",
        source="minio cmd/common-main.go",
        severity="critical",
        regex=r"Unable to validate credentials inherited from the \w",
        meaning="MINIO_ROOT_USER / MINIO_ROOT_PASSWORD are invalid (user shorter than 3 or password shorter "
        "than 8 characters): MinIO refuses to start.",
        action="Set a MINIO_ROOT_USER of at least 3 and a MINIO_ROOT_PASSWORD of at least 8 characters.",
        examples=(
            "FATAL Unable to validate credentials inherited from the shell environment: Invalid credentials",
            "ERROR Unable to validate credentials inherited from the shell environment: Invalid credentials",
        ),
        near_misses=("MinIO Object Storage Server",),
    ),
    Pattern(
        id="minio.access_denied",
        kind="minio",
        category="auth",
        source="minio cmd/api-errors.go (ErrInvalidAccessKeyID, ErrSignatureDoesNotMatch)",
        severity="critical",
        regex=r"\bInvalidAccessKeyId\b|\bSignatureDoesNotMatch\b",
        meaning="An S3 client used an access key MinIO does not know, or the wrong secret key: every request "
        "is refused.",
        action="Compare the client's access/secret key with the MinIO user or service account (mc admin user "
        "list); the root credentials apply only as set when the server started.",
        examples=(
            "botocore.exceptions.ClientError: An error occurred (InvalidAccessKeyId) when calling the PutObject "
            "operation: The Access Key Id you provided does not exist in our records.",
            "An error occurred (SignatureDoesNotMatch) when calling the ListBuckets operation: The request signature "
            "we calculated does not match the signature you provided. Check your key and signing method.",
        ),
        near_misses=("S3 access key loaded from AWS_ACCESS_KEY_ID",),
    ),
    Pattern(
        id="minio.no_such_bucket",
        kind="minio",
        category="schema",
        source="minio cmd/api-errors.go (ErrNoSuchBucket)",
        severity="warning",
        regex=r"The specified bucket does not exist",
        meaning="A client used a bucket that does not exist (never created on this deployment, or a typo).",
        action="Create the bucket (mc mb) or fix the bucket name in the client's configuration.",
        examples=(
            "botocore.errorfactory.NoSuchBucket: An error occurred (NoSuchBucket) when calling the PutObject "
            "operation: The specified bucket does not exist",
        ),
        near_misses=("Bucket created successfully `local/uploads`.",),
    ),
)
