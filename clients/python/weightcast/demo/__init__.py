"""The demo zoo and the benchmark's tools; not the client API (``import weightcast`` never imports them).

- ``weightcast.demo.zoo``: trains the digits / Fashion-MNIST CNN zoo and publishes it through the client
  (``python3 -m weightcast.demo.zoo``); needs torch.
- ``weightcast.demo.datasets``: the zoo's data (UCI digits shipped in ``data/``, Debian's Fashion-MNIST).
- ``weightcast.demo.zoo_directory``: zoos kept on disk (``--out ZOO``).
- ``weightcast.demo.replay``: replays a zoo directory through the client (``weightcast eval-live --mode client``).
- ``weightcast.demo.pruners``: Optuna's pruners replayed on validation curves (the benchmark's baselines).
- ``weightcast.demo.check_permutation``: checks that a neuron permutation keeps a zoo CNN's function.
"""
