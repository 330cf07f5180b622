"""A sample Zoho: an accounts server and a CRM API domain on loopback with a deterministic
organisation, for the demo and the tests; not part of the tap, and not shipped in the
Batch image.

The shapes come from Zoho's OAuth documentation, the CRM API guide (fields, users, bulk
read jobs and their zipped CSV exports) and the CRM OpenAPI documents of version 8: the
organisation's modules, fields, records, users and jobs in :mod:`tap_zoho_crm.sample.crm`,
its settings in :mod:`tap_zoho_crm.sample.settings`, the two servers in
:mod:`tap_zoho_crm.sample.server`, each module naming the pages it follows.
"""
