import CkptCLI

Ckpt.main()
