"""Audit a scikit-learn risk model on the built-in German credit data.

    python examples/python/quickstart.py

Needs the package (``pip install .``) and scikit-learn. A flagged loan goes to manual
review; a bad loan waved through costs 5 times a needless review.
"""

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from mlops_audit import datasets, metrics

data = datasets.german_credit()
numeric = ["duration", "credit_amount", "installment_rate", "present_residence_since",
           "age", "number_of_existing_credits", "number_of_people_liable_for"]
categorical = ["status", "credit_history", "purpose", "savings", "present_employment",
               "other_debtors", "property", "installment_plans", "housing", "job",
               "telephone", "foreign_worker"]
x_num = np.column_stack([data[c] for c in numeric])
x_cat = np.column_stack([data[c] for c in categorical])
y = data["bad_loan"]
sex = np.asarray(data["sex"])

idx_train, idx_test = train_test_split(np.arange(len(y)), test_size=0.3, random_state=0, stratify=y)
scaler = StandardScaler().fit(x_num[idx_train])
encoder = OneHotEncoder(drop="first", handle_unknown="ignore").fit(x_cat[idx_train])


def features(idx):
    return np.hstack([scaler.transform(x_num[idx]), encoder.transform(x_cat[idx]).toarray()])


model = LogisticRegression(max_iter=1000).fit(features(idx_train), y[idx_train])
risk = model.predict_proba(features(idx_test))[:, 1]
y_test = y[idx_test]

cost = metrics.CostMatrix(fn_cost=5.0, fp_cost=1.0)
cm = metrics.confusion_matrix(y_test, risk, cost.bayes_threshold())
best = metrics.min_cost_threshold(y_test, risk, cost=cost)
print(f"held-out loans: {len(y_test)}, bad: {int(y_test.sum())}")
print(f"ROC AUC {metrics.roc_auc(y_test, risk):.4f}, "
      f"average precision {metrics.average_precision(y_test, risk):.4f}")
print(f"at the Bayes threshold {cost.bayes_threshold():.4f}: {cm}")
print(f"  cost 5*FN + FP = {cost.total_cost(cm):.0f}; "
      f"in-sample optimum {best.cost:.0f} at threshold {best.threshold:.4f}")
for group in ("female", "male"):
    mask = sex[idx_test] == group
    g = metrics.confusion_matrix(y_test[mask], risk[mask], cost.bayes_threshold())
    print(f"  {group:>6}: n={mask.sum():3d}  FPR {g.fpr:.3f}  TPR {g.tpr:.3f}")
