// The GAN layer.
