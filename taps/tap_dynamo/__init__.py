"""tap-dynamo: DynamoDB tables read by parallel Scan, as Singer RECORDs of plain JSON."""
