@_exported public import CostPricing
@_exported public import CostTokens
@_exported public import CostSQLite
@_exported public import CostCrypto
@_exported public import CostBudget
@_exported public import CostRotation
@_exported public import CostOptimizer
