#include "config.h"
/* PLACEHOLDER */
typedef int placeholder_dialog;
