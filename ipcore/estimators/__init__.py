"""Estimators of entropy and mutual information, all in nats.

:func:`mixture_log_density` is the one kernel under every Gaussian-mixture
entropy: the Monte Carlo entropy, the sample-propagation (SP) estimator, the
KDE bounds and the exact 1-D quadrature.
"""

from ipcore.estimators.binning import (
    SZT_EDGES,
    bin_codes,
    binned_entropy,
    binned_information_batch,
    binned_mutual_information,
)
from ipcore.estimators.clustering import (
    cluster_entropy,
    cosine_similarity_histograms,
    diameter_clusters,
    labels_entropy,
    nearest_neighbour_distances,
)
from ipcore.estimators.closed_forms import (
    gaussian_channel_mutual_information,
    jointly_gaussian_mutual_information,
    linear_layer_information,
    two_point_mutual_information,
)
from ipcore.estimators.entropy import (
    SPEstimate,
    SPLabelEstimate,
    gaussian_mixture_entropy,
    sp_label_information,
    sp_mutual_information,
)
from ipcore.estimators.kde import KDEInformation, kde_entropy_bounds, kde_information_batch, kde_mutual_information
from ipcore.estimators.kernel import mixture_log_density
from ipcore.estimators.compression import PCA, Autoencoder, autoencoder_compression, pca_compression
from ipcore.estimators.mine import MINEEstimate, mine_mutual_information, mine_mutual_information_batch
from ipcore.estimators.knn import (KNNEstimate, bsy_weights, knn_entropy, knn_label_information, knn_mutual_information,
                                   ksg_mutual_information)
from ipcore.estimators.neuron import binned_neuron_information, noisy_neuron_information
from ipcore.estimators.quadrature import channel_information, gaussian_entropy, mixture_entropy_1d, mixture_entropy_2d

__all__ = [
    "mixture_log_density",
    "gaussian_mixture_entropy",
    "sp_mutual_information",
    "SPEstimate",
    "sp_label_information",
    "SPLabelEstimate",
    "mixture_entropy_1d",
    "mixture_entropy_2d",
    "channel_information",
    "gaussian_entropy",
    "bin_codes",
    "binned_entropy",
    "binned_mutual_information",
    "binned_information_batch",
    "SZT_EDGES",
    "kde_entropy_bounds",
    "kde_mutual_information",
    "kde_information_batch",
    "KDEInformation",
    "gaussian_channel_mutual_information",
    "jointly_gaussian_mutual_information",
    "two_point_mutual_information",
    "linear_layer_information",
    "knn_entropy",
    "knn_mutual_information",
    "knn_label_information",
    "ksg_mutual_information",
    "bsy_weights",
    "mine_mutual_information",
    "mine_mutual_information_batch",
    "pca_compression",
    "PCA",
    "autoencoder_compression",
    "Autoencoder",
    "MINEEstimate",
    "KNNEstimate",
    "binned_neuron_information",
    "noisy_neuron_information",
    "diameter_clusters",
    "cluster_entropy",
    "labels_entropy",
    "nearest_neighbour_distances",
    "cosine_similarity_histograms",
]
