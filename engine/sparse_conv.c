#include "config.h"
/* PLACEHOLDER */
typedef int placeholder_sparse_conv;
