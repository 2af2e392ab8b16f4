import Stages
print("placeholder")
