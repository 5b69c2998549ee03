src/drop/d.c
