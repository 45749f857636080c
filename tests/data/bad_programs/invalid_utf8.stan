// café
data {
  int N;
}

// expect: 1:7: invalid UTF-8 byte 0xE9 in comment
