"""Noisy networks (one, or an ensemble of N trained as one computation), the trainer and the recorder;
and infinite ensembles of infinitely wide networks, in closed form."""

from ipcore.nets.cnn import CompressionCNN, NoisyCNN
from ipcore.nets.ensemble import EnsembleMLP, ensemble_of_mlps
from ipcore.nets.hooks import NoisyLayers, add_noise
from ipcore.nets.infinite_width import EnsembleOutputs, InfiniteEnsemble, ensemble_information, network_kernels
from ipcore.nets.models import DeepLinearNetwork, GaussianNoise, NoisyMLP, RelativeGaussianNoise, SingleNeuron, noise_layers, orthonormality_step_
from ipcore.nets.training import (Recorder, log2_spaced_epochs, log_spaced_epochs, logging_schedule, piecewise_epochs,
                                  train)

__all__ = ["add_noise", "NoisyLayers", "NoisyMLP", "DeepLinearNetwork", "SingleNeuron", "GaussianNoise", "RelativeGaussianNoise", "NoisyCNN", "CompressionCNN", "EnsembleMLP", "ensemble_of_mlps", "noise_layers",
           "orthonormality_step_", "train", "Recorder", "logging_schedule", "log_spaced_epochs", "log2_spaced_epochs",
           "piecewise_epochs", "network_kernels", "InfiniteEnsemble", "EnsembleOutputs", "ensemble_information"]
