#include "config.h"
#include "ini.h"
