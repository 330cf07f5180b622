"""Jobs on AWS Batch: ``observes batch deploy``, ``submit``, ``status`` and the failure
reports. Everything reaches AWS through boto3 (``AWS_ENDPOINT_URL`` and the per-service
``AWS_ENDPOINT_URL_<SERVICE>`` variables point it elsewhere, as boto3 documents)."""
