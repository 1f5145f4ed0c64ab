"""Statistics for comparisons a reader can trust: intervals valid for each estimator, paired tests.

``intervals`` gives the 95% intervals reported beside every metric value, ``gram`` evaluates FID and KID on
many index subsets of one feature matrix cheaply (jackknife, permutations, coverage studies), ``paired`` holds
the paired tests and Holm's correction, ``compare`` applies them to two scored runs.
"""
