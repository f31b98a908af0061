"""Markov chain and Shapley value attribution as Dagster assets and checks."""
