"""Real local services for the tests: PostgreSQL, moto (S3, DynamoDB) and a Redshift shim."""
