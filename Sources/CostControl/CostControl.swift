@_exported public import CostPricing
