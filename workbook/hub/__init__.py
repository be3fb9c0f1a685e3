"""Everything of the practice server (JupyterHub): the hub, each person's server, and work
moving between clients and their therapist through the exchange service.

Nothing is imported here: the app's kernel reads `facts` and `client` without the rest.

- `facts`: the names and settings the hub's pieces share, written down once.
- `setup`: a practice server on one machine, set up and started (`python -m workbook.hubsetup`);
  `hubapp`: the hub itself; `isolation`, `people`: each person's server kept to itself, and
  who is a therapist.
- `server`, `singleuser`: a person's server (the process, and its warm app kernel).
- The exchange service (`python -m workbook.hub.service`): `service` runs it; `database`,
  `identity`, `rules`, `handlers`, `refusal` are its parts.
- `keys`: key pairs, their checks, fingerprints; `crypto`: sealing to a public key, codes,
  key files and backups (end to end: the service only ever holds sealed bytes).
- `client`: what the app calls, built on the verbs of `workbook.exchange`; `wire`: how it
  talks to the exchange service (its address and TLS, each request, what a refusal says).
"""
