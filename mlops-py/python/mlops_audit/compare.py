"""Champion/challenger statistics.

Planned contents (being built): DeLong, McNemar, paired t and Wilcoxon tests, paired
bootstrap, A/B tests and sequential tests. Names are added as they are implemented and
tested.
"""

__all__: list[str] = []
