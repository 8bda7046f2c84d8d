from authsift.cli import main

main()
