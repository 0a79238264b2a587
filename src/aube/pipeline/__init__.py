"""Chains the stages, records runs, schedules them. The only package that calls one stage after another."""
