// The neural-network layer: layers, containers, optimisers, initialisers.
