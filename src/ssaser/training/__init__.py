"""Training and cross-validation: :func:`ssaser.training.train.train_model` (``ssaser train``) and
:func:`ssaser.training.cv.run_cv` (``ssaser cv``), on Lightning.

Submodules are imported where they are used (this package imports nothing itself, so that
``ssaser.training.config`` stays light).
"""
