"""target-s3: Singer streams into a bucket (or a folder), complete or not at all."""
