print("scidl")
