"""Identity's handlers: load, decide, save, in the unit of work they are given.

Sign-in and refresh manage their own transactions: the password check runs between two short
ones (it is slow and needs no lock), and a reused refresh token must end its session even
though the call fails.
"""
