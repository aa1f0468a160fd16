import CostPricing
print("x")
