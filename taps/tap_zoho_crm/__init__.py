"""tap-zoho-crm: Zoho CRM's modules through its Bulk Read API, in two phases (prepare, run),
and its users."""
