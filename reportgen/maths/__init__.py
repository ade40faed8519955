"""Mathematics shared by several problem kinds, pure numpy (SymPy for derivations as data):
``mlp`` (forward and backward of the one-hidden-layer networks, log-sum-exp, softmax),
``descent`` (gradient descent on quadratics), ``conv`` (conv/pool output sizes and weight counts),
``derivation`` and ``notation`` (derivations as data: chains of steps and their symbols)."""
