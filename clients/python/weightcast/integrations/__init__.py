"""Weightcast in the training frameworks: one callback (or pruner, or stopper) and a run is published
and stopped by Weightcast's decision. Import the module of the framework you use; importing this
package imports no framework.

=============================================  ==================================================
``weightcast.integrations.lightning``          ``WeightcastCallback`` (PyTorch Lightning)
``weightcast.integrations.huggingface``        ``WeightcastTrainerCallback`` (transformers.Trainer)
``weightcast.integrations.keras``              ``WeightcastKerasCallback``, ``keras_state_dict``
``weightcast.integrations.optuna``             ``WeightcastPruner``, ``start_trial_run``
``weightcast.integrations.ray``                ``WeightcastStopper`` (Ray Tune)
=============================================  ==================================================

Each takes a ``weightcast.Weightcast`` client (or builds one from the keyword arguments and the
``WEIGHTCAST_*`` environment), and stops by ``Run.should_stop()`` (Weightcast's early-stop candidate,
a critical dying-ReLU alert, non-finite weights; the client's ``stop_on`` rules).
"""
