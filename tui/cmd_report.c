#include "config.h"
/* PLACEHOLDER */
typedef int placeholder_cmd_report;
