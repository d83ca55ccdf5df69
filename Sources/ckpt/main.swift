import CkptCLI; Ckpt.main()
