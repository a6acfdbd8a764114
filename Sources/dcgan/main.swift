print("dcgan")
