#include <cstdio>

int main()
{
    std::puts("rangefinder-batch");
    return 0;
}
