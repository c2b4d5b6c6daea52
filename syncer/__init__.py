"""syncer: plans the next follow-up for every row of a job-application tracker."""

__version__ = "0.1.0"
