import CostPricingData
let u = BundledPriceData.catalogURL
