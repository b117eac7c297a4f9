"""Numba kernels of the technical indicators: float64 arrays in, float64 arrays out.

Every kernel takes ``start``, the first index from which all inputs are valid (the API passes the
first bar without NaN, as TA-Lib's Python wrapper does), and returns arrays as long as its inputs
with NaN over the warm-up. Kernels follow TA-Lib's C algorithms operation by operation so that the
results match it to the last bits; they validate nothing (the API layer does).
"""
