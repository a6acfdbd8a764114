// Data: datasets and image codecs.
