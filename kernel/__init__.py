"""The kernel: what every layer of eprof shares (settings, errors, the `Contract` base, file
writing, hashing, validation messages). It imports nothing else of eprof, so any package may
import it and it can never pull a higher layer in."""
