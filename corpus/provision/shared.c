/* python3.X-shared: an interpreter that takes CPython from libpython3.X.so,
 * as a --enable-shared build does (CPython's Programs/python.c).  Debian
 * ships its arm64 interpreters static and libpython only for embedding; the
 * arm64 matrix builds this with aarch64-linux-gnu-gcc against that library. */
int Py_BytesMain(int argc, char **argv);

int main(int argc, char **argv)
{
    return Py_BytesMain(argc, argv);
}
