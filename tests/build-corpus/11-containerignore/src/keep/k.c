src/keep/k.c
