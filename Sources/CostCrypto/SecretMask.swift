public import CostRotation

/// CostRotation's ``CostRotation/SecretMask``: it moved there so that key provisioning can mask a
/// new key without the vault. The name still resolves with `import CostCrypto`; calling its
/// members needs `import CostRotation` too (member import visibility).
public typealias SecretMask = CostRotation.SecretMask
