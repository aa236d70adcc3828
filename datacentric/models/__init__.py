"""The model zoo: scikit-learn baselines and PyTorch tabular networks behind one interface."""
