"""greenledger benchmark harness: ``python -m bench [--quick] [--only NAME] [--json-out PATH]``.

Layout (see bench/README.md):

- ``registry``  named benchmarks, their quick/full parameters and the ``Context`` they run with;
- ``servers``   start/stop ``greenledger serve`` and the naive baseline app, databases, free ports;
- ``load``      the HTTP load generator (threads, one keep-alive connection each) and sequential timing;
- ``workload``  signer parties and pre-signed entries;
- ``report``    figures beside their baselines, the table and the JSON file;
- ``append``    the single-append and batch-append benchmarks.
"""
