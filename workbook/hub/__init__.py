"""Work moving between clients and their therapist through a JupyterHub service.

- `crypto`: key pairs, sealing to a public key, fingerprints, key backups (end to end:
  the service only ever holds sealed bytes).
- `service`: the Tornado service the hub runs (`python -m workbook.hub.service`).
- `client`: what the app calls, built on the verbs of `workbook.exchange`.
"""
