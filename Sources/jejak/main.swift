print("jejak")
