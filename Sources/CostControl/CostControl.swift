@_exported public import CostPricing
@_exported public import CostTokens
