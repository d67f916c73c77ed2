"""A password hasher for the suite: Argon2 as in production, at its lowest cost.

Production's Argon2 takes a tenth of a second and 100 MB a password by design; the suite
makes thousands of accounts. The hashes are ordinary ``argon2$argon2id$`` hashes that the
production hashers (in the commands the suite runs as subprocesses) verify as they are.
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class QuickArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 1
    memory_cost = 64  # KiB
    parallelism = 1
