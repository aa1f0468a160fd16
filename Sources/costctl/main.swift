import CostControl
print("hi")
