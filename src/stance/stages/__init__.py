"""One module per pipeline stage; each core is a pure function over DataFrames."""
